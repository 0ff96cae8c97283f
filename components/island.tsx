/**
 * Marks where an island goes: the server renders the component to HTML, and writes its (serializable) props
 * as JSON beside it; `/static/islands.js` hydrates the marker in the browser.
 *
 * @example
 * ```tsx ignore
 * <Island name="FleetOverview" props={{ data, query }} />
 * ```
 */
import { h } from "preact";
import { type IslandName, type IslandProps, ISLANDS } from "../islands/mod.ts";

/** JSON that is safe inside `<script>`: no `</script>`, no HTML comment openers. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

export function Island<N extends IslandName>(props: { name: N; props: IslandProps<N> }) {
  // deno-lint-ignore no-explicit-any
  const component = ISLANDS[props.name] as any;
  return (
    <div data-island={props.name} class="island">
      <script type="application/json" dangerouslySetInnerHTML={{ __html: scriptJson(props.props) }} />
      <div data-island-root class="island">{h(component, props.props)}</div>
    </div>
  );
}
