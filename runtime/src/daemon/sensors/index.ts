/** Built-in sensors: asset, file, run status and run failure. */
export { assetSensor, type AssetSensorSpec } from "./assetSensor";
export { fileSensor, type FileSensorSpec } from "./fileSensor";
export { runFailureSensor, runStatusSensor, type RunStatusCallback, type RunStatusSensorSpec, type WatchedRunStatus } from "./runStatusSensor";
