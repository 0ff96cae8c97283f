/** The page frame: header with navigation and who is signed in, the main content, and the island script. */
import type { ComponentChildren } from "preact";
import type { Role } from "./types.ts";

export interface Viewer {
  name: string;
  role: Role;
}

const NAV = [
  ["/", "Overview"],
  ["/transactions", "Transactions"],
  ["/id-tags", "Id tags"],
  ["/handshakes", "Handshakes"],
] as const;

export function Layout(props: {
  title: string;
  /** The nav entry to mark as current. */
  current?: string;
  viewer?: Viewer | null;
  children: ComponentChildren;
}) {
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
                {NAV.map(([href, label]) => (
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
