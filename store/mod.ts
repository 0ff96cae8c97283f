export type * from "./store.ts";
export { StoreUnavailableError } from "./store.ts";
