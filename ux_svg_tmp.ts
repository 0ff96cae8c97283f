import { chromium } from "playwright-core";
const base = "http://127.0.0.1:3901";
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.goto(`${base}/login`);
await page.fill("input[name=username]", "admin");
await page.fill("input[name=password]", "a long secret pw");
await Promise.all([
  page.waitForURL((u) => !u.pathname.startsWith("/login")),
  page.click("button[type=submit]"),
]);
await page.goto(`${base}/transactions`);
console.log((await page.locator("figure.bars svg").evaluate((e) => e.outerHTML)).slice(0, 3000));
await browser.close();
