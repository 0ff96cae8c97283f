/**
 * How the Security extension contracts (`pki.ts`, `files.ts`, `blobs.ts`) declare a test: a title and a body
 * that gets a fresh, empty store; the runner (`security_extension_test.ts`) opens and cleans it per backend.
 */
export type ContractTest<S> = (title: string, fn: (store: S) => Promise<void>) => void;
