/** New or changed CSV exports in data/ trigger the raw -> warehouse job (one run per change). */
import { fileSensor } from "tributary";
import { rawToWarehouse } from "../schedules/nightly";

export const newRawFiles = fileSensor({
  name: "new_raw_files",
  folder: "data",
  pattern: /\.csv$/,
  job: rawToWarehouse,
  minimumIntervalSeconds: 30,
  description: "A new or changed CSV in data/ refreshes the warehouse",
});
