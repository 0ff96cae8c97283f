/**
 * What a database's schema is, as rows to compare: columns (type, nullability, default, collation), indexes
 * (definition, validity), constraints (definition, whether validated) and applied migrations, of the
 * connection's current schema. Two databases migrated the same way give equal values.
 */
import type { Sql } from "postgres";

export async function schemaOf(sql: Sql) {
  const columns = await sql`
    select table_name, column_name, data_type, is_nullable, column_default, collation_name
    from information_schema.columns where table_schema = current_schema()
    order by table_name, column_name
  `;
  const indexes = await sql`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as definition, i.indisvalid as valid
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema()
    order by c.relname
  `;
  const constraints = await sql`
    select conrelid::regclass::text as "table", conname as name, pg_get_constraintdef(oid) as definition,
      convalidated as validated
    from pg_constraint where connamespace = current_schema()::regnamespace
    order by 1, 2
  `;
  const migrations = await sql`select version, name from schema_migrations order by version`;
  return {
    columns: [...columns],
    indexes: [...indexes],
    constraints: [...constraints],
    migrations: [...migrations],
  };
}
