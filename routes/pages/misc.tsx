/** The login page, the first run's setup page and the error page. */
import { Island } from "../../components/island.tsx";
import { Layout, type Viewer } from "../../components/layout.tsx";

export function loginPage(next: string, options: { csrf: string; error?: string }) {
  const { csrf, error } = options;
  return (
    <Layout title="Sign in">
      <Island name="LoginForm" props={{ next, csrf, ...(error ? { error } : {}) }} />
    </Layout>
  );
}

export function setupPage(options: { error?: string; username?: string } = {}) {
  return (
    <Layout title="First run">
      <Island
        name="SetupForm"
        props={{
          ...(options.error ? { error: options.error } : {}),
          ...(options.username ? { username: options.username } : {}),
        }}
      />
    </Layout>
  );
}

export function errorPage(status: number, message: string, viewer: Viewer | null) {
  return (
    <Layout title={status === 404 ? "Not found" : "Error"} viewer={viewer}>
      <section class="card" role="alert">
        <h1>{status === 404 ? "Not found" : status === 403 ? "Not allowed" : "Something went wrong"}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Back to the overview</a>
        </p>
      </section>
    </Layout>
  );
}
