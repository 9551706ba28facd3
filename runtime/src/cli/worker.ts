/** `tributary worker`: a run coordinator only (see ./daemon for the shared process code). */
export { WORKER_HELP, workerCommand } from "./daemon";
