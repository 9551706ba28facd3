/** Project configuration and code loading: from a folder to validated definitions. */
export {
  CONFIG_FILE_NAME,
  DATABASE_URL_ENV,
  DEFAULT_ENTRY_FILES,
  STATE_DIR_NAME,
  configFromFile,
  describeStorage,
  findProjectConfig,
  MissingEntryError,
  relativeOrAbsolute,
  type ConfigSections,
  type ProjectConfig,
  type StorageSource,
} from "./config";
export { parseConfigText, readConfigFile, type ConfigFileContents } from "./configFile";
export { interpolateEnv } from "./interpolate";
export { EntryCompiler, ensureBundle, type CompiledEntry, type EntryCompilerOptions } from "./compile";
export { createCompiler, importDefinitions, loadCompiledProject, loadProject, type CodeVersion, type LoadedProject, type LoadProjectOptions } from "./loadDefinitions";
export { firstUserFrame, parseStack, type StackFrame } from "./userFrames";
