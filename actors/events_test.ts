import { assertEquals } from "@std/assert";
import { EventBus } from "./events.ts";

Deno.test("EventBus calls each listener once per event, in the order they subscribed", () => {
  const bus = new EventBus<number>();
  const heard: string[] = [];
  const a = (n: number) => heard.push(`a${n}`);
  bus.subscribe(a);
  bus.subscribe(a);
  const stopB = bus.subscribe((n) => heard.push(`b${n}`));
  bus.publish(1);
  stopB();
  bus.publish(2);
  assertEquals(heard, ["a1", "b1", "a2"]);
  assertEquals(bus.subscriberCount, 1);
});

Deno.test("EventBus: a listener unsubscribed during a publish is not called by it; a new one hears the next", () => {
  const bus = new EventBus<number>();
  const heard: string[] = [];
  let stopC = () => {};
  bus.subscribe((n) => {
    heard.push(`a${n}`);
    if (n === 1) {
      stopC();
      bus.subscribe((m) => heard.push(`d${m}`));
    }
  });
  bus.subscribe((n) => {
    heard.push(`b${n}`);
    throw new Error("a broken subscriber");
  });
  stopC = bus.subscribe((n) => heard.push(`c${n}`));
  bus.publish(1);
  bus.publish(2);
  assertEquals(heard, ["a1", "b1", "a2", "b2", "d2"]);
});

Deno.test("EventBus publishes to nobody without failing", () => {
  const bus = new EventBus<number>();
  bus.publish(1);
  assertEquals(bus.subscriberCount, 0);
});
