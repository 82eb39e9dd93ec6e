import type { CliContext } from './context.ts';

export async function run(ctx: CliContext): Promise<number> {
  const { db } = await ctx.database();
  // database() has already migrated; report the state.
  const rows = await db
    .selectFrom('kysely_migration' as never)
    .select(['name' as never])
    .execute()
    .catch(() => [] as Array<{ name: string }>);
  ctx.io.stdout(`database is at the latest migration (${rows.length} applied)\n`);
  return 0;
}
