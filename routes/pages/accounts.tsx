/** `/admin/users` and `/admin/tokens`: operator accounts and API tokens (admins only: the API refuses others). */
import type { ComponentChildren } from "preact";
import { Island } from "../../components/island.tsx";
import { Layout, type Viewer } from "../../components/layout.tsx";
import type { ApiToken, SimulatorStatus, User } from "../../components/types.ts";
import type { PageApi } from "./http.ts";

/** The admin pages' own navigation. */
export const ADMIN_TABS: readonly (readonly [string, string])[] = [
  ["/admin/users", "Users"],
  ["/admin/tokens", "API tokens"],
  ["/admin/simulator", "Virtual stations"],
];

export function AdminTabs(props: { current: string }) {
  return (
    <nav class="subnav" aria-label="Administration">
      {ADMIN_TABS.map(([href, label]) => (
        <a key={href} href={href} aria-current={props.current === href ? "page" : undefined}>{label}</a>
      ))}
    </nav>
  );
}

function AdminLayout(
  props: { title: string; path: string; viewer: Viewer; children: ComponentChildren },
) {
  return (
    <Layout title={props.title} current="/admin" viewer={props.viewer}>
      <div class="page-head">
        <h1>{props.title}</h1>
      </div>
      <AdminTabs current={props.path} />
      {props.children}
    </Layout>
  );
}

export async function usersPage(api: PageApi) {
  const [viewer, users] = await Promise.all([api.viewer(), api.get<{ items: User[] }>("/api/v1/users")]);
  return (
    <AdminLayout title="Users" path="/admin/users" viewer={viewer}>
      <p class="muted">
        Viewers read everything; operators also send commands; admins also manage users, tokens, id tags,
        registration and station security. Disabling or deleting a user signs them out and stops the API
        tokens they made.
      </p>
      <Island name="UserManager" props={{ users: users.items, me: viewer.name }} />
    </AdminLayout>
  );
}

export async function tokensPage(api: PageApi) {
  const [viewer, tokens] = await Promise.all([
    api.viewer(),
    api.get<{ items: ApiToken[] }>("/api/v1/tokens"),
  ]);
  return (
    <AdminLayout title="API tokens" path="/admin/tokens" viewer={viewer}>
      <p class="muted">
        Tokens are for machines (scripts, Prometheus at{" "}
        <code>/metrics</code>): each acts with its role and answers to the admin who made it. Only a digest is
        stored, so a lost token cannot be shown again: revoke it and make a new one.
      </p>
      <Island name="TokenManager" props={{ tokens: tokens.items }} />
    </AdminLayout>
  );
}

export async function simulatorPage(api: PageApi) {
  const [viewer, status] = await Promise.all([api.viewer(), api.get<SimulatorStatus>("/api/v1/simulator")]);
  return (
    <AdminLayout title="Virtual stations" path="/admin/simulator" viewer={viewer}>
      <p class="muted">
        Try every page and command without hardware: virtual stations run inside this server and connect to it
        over real WebSockets. They boot, report, beat, start and stop transactions with rising meters, honour
        every command and can fault. The same stations run on their own with{" "}
        <code>deno task simulate --url ws://HOST:PORT/ocpp --stations N</code>.
      </p>
      <Island name="VirtualStations" props={{ status }} />
    </AdminLayout>
  );
}
