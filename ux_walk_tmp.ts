import { chromium } from "playwright-core";
const base = "http://127.0.0.1:3901";
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors: string[] = [];
page.on("console", (m) => {
  if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
});
page.on("pageerror", (e) => errors.push(`${page.url()}: pageerror ${e.message}`));
await page.goto(`${base}/login`);
await page.fill("input[name=username]", "admin");
await page.fill("input[name=password]", "a long secret pw");
await Promise.all([
  page.waitForURL((u) => !u.pathname.startsWith("/login")),
  page.click("button[type=submit]"),
]);
await page.waitForLoadState("networkidle");
const paths = Deno.args.length ? Deno.args : ["/"];
for (const p of paths) {
  const res = await page.goto(`${base}${p}`);
  await page.waitForTimeout(1500);
  const name = p.replace(/[^a-z0-9]+/gi, "_") || "root";
  await page.screenshot({ path: `/tmp/ux/shots/${name}.png`, fullPage: true });
  const links = await page.$$eval(
    "a[href^='/']",
    (as) => [...new Set(as.map((a) => (a as HTMLAnchorElement).getAttribute("href")))],
  );
  console.log(p, res?.status(), "links:", links.join(" "));
}
console.log("errors:", errors);
await browser.close();
