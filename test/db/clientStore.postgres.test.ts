import { clientStoreCases } from "../support/clientStoreCases.ts";
import { postgresStoreFixture } from "../support/postgres.ts";

// The same cases on SQLite: test/unit/clientStore.test.ts.
clientStoreCases("the store's part in a client's life, on PostgreSQL", () => postgresStoreFixture("client_store"));
