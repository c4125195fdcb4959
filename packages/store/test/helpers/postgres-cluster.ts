// One implementation serves the tests and the benchmark; see scripts/postgres-cluster.mjs.
export {
  findPostgresBin,
  freePort,
  startPostgresCluster,
  type PostgresCluster,
  type PostgresClusterOptions,
} from '../../../../scripts/postgres-cluster.mjs'
