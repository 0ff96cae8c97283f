export type * from "./store.ts";
export { emptyRecord, StoreUnavailableError } from "./store.ts";
