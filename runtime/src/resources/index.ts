/** Built-in resources. */
export {
  createPostgresPool,
  isPostgresConnectionFailure,
  postgresConnectionError,
  postgresResource,
  PostgresConnectionError,
  redactConnectionString,
  type PostgresResourceOptions,
} from "./postgres";
