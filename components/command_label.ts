/**
 * A command's name as people read it. Its own module: islands use it, and the catalog beside it pulls in the
 * protocol's schemas, which must stay out of the browser bundle.
 *
 * @example
 * ```ts
 * commandLabel("RemoteStartTransaction"); // "Remote start transaction"
 * ```
 */
export function commandLabel(action: string): string {
  return action.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase().replace(/^./, (c) => c.toUpperCase());
}
