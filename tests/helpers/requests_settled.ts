/**
 * For the browser tests that count a page's requests (Playwright's request events pushed onto a list): waits
 * until no new request has been made for 600 ms, so that a count is taken once the page is quiet. A second
 * island reading on its own would ask within 200 ms of the first (the islands' reads start at the same event
 * or stream open; the meter values' reader gathers events for 200 ms), well inside the 600 ms.
 */
export async function requestsSettled(requests: readonly string[]): Promise<void> {
  let seen = -1;
  while (seen !== requests.length) {
    seen = requests.length;
    await new Promise((r) => setTimeout(r, 600));
  }
}
