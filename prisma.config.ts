// Prisma CLI configuration (Prisma 7 reads the database URL from here, not from the schema).
// `prisma migrate deploy` uses DATABASE_URL; the engine itself applies the same migrations
// at start through lib/migrate.ts when the schema-engine binary is not available.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
