/**
 * Child process of the SQLite atomic-replacement test: materializes the table `events` several
 * times with alternating sizes, as another process would, while the test reads it.
 * argv: <database path> <row counts...>
 */
import { SqliteTableIOManager } from "../../runtime/src/io";
import { numberedRows, outputContext } from "./helpers";

const [path, ...counts] = process.argv.slice(2);
const manager = new SqliteTableIOManager(path!);
for (const count of counts) manager.handleOutput(outputContext("events"), numberedRows(Number(count), `rows-${count}`));
manager.close();
