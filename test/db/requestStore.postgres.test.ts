import { postgresStoreFixture } from "../support/postgres.ts";
import { requestStoreCases } from "../support/requestStoreCases.ts";

// The same cases on SQLite: test/unit/requestStore.test.ts.
requestStoreCases("the request store on PostgreSQL", () => postgresStoreFixture("request_store"));
