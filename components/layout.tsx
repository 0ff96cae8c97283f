/** The page frame: header with navigation and who is signed in, the main content, and the island script. */
import type { ComponentChildren } from "preact";
import { Island } from "./island.tsx";
import type { Role } from "./types.ts";

export interface Viewer {
  name: string;
  role: Role;
}

/** Entries with a role are shown from that role up (the API refuses the rest anyway). */
const NAV: readonly (readonly [string, string, Role?])[] = [
  ["/", "Overview"],
  ["/transactions", "Transactions"],
  ["/jobs", "Jobs"],
  ["/sites", "Sites"],
  ["/id-tags", "Id tags"],
  ["/handshakes", "Handshakes"],
  ["/security", "Security", "operator"],
  ["/admin", "Admin", "admin"],
];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function Layout(props: {
  title: string;
  /** The nav entry to mark as current. */
  current?: string;
  viewer?: Viewer | null;
  children: ComponentChildren;
}) {
  const rank = props.viewer ? RANK[props.viewer.role] : -1;
  const nav = NAV.filter(([, , min]) => min === undefined || rank >= RANK[min]);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · OCPP Central System`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/app.css" />
        <script type="module" src="/static/islands.js" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">⚡ CSMS</a>
          {props.viewer && (
            <nav aria-label="Main">
              <ul>
                {nav.map(([href, label]) => (
                  <li key={href}>
                    <a href={href} aria-current={props.current === href ? "page" : undefined}>{label}</a>
                  </li>
                ))}
                <li>
                  <a href="/api/docs">API</a>
                </li>
              </ul>
            </nav>
          )}
          {props.viewer && <Island name="TimeZoneToggle" props={{}} />}
          {props.viewer && (
            <form class="who" method="post" action="/logout">
              <span>
                {props.viewer.name}{" "}
                <span class="role" data-role={props.viewer.role}>{props.viewer.role}</span>
              </span>
              <button type="submit" class="link">Sign out</button>
            </form>
          )}
        </header>
        <main id="main" tabIndex={-1}>{props.children}</main>
      </body>
    </html>
  );
}
