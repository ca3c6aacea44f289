import { approvalStoreCases } from "../support/approvalStoreCases.ts";
import { postgresStoreFixture } from "../support/postgres.ts";

// The same cases on SQLite: test/unit/approvalStore.test.ts.
approvalStoreCases("approvals on PostgreSQL", () => postgresStoreFixture("approval_store"));
