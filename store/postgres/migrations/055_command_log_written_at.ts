/**
 * 055: `command_log.written_at`, when PostgreSQL first stored the row (its own clock, `clock_timestamp()`), so
 * the sweep of rows a lost node left `sending` judges their age by one clock, not by the node clocks that
 * stamped `requested_at` (a sweeping node ahead settled a live node's command it was still waiting on). Rows
 * from before have none (null: their `requested_at` stands in). Added without a default, then given one: no
 * table rewrite; every insert, an older node's too, is stamped.
 */
export const steps = [
  `alter table command_log add column if not exists written_at timestamptz`,
  `alter table command_log alter column written_at set default clock_timestamp()`,
] as const;
