import { assertEquals } from "@std/assert";
import {
  answerMessageId,
  CALL,
  callAction,
  CALLERROR,
  callMessageId,
  CALLRESULT,
  decodeFrame,
  type DecodeResult,
  encodeCall,
  encodeCallError,
  encodeCallResult,
  knownErrorCode,
} from "./frames.ts";

function invalid(messageId: string | undefined, answerable: boolean, description: string): DecodeResult {
  return { kind: "invalid", messageId, code: "FormationViolation", description, answerable };
}

Deno.test("decodeFrame() decodes a CALL", () => {
  assertEquals(decodeFrame('[2,"19223201","BootNotification",{"chargePointVendor":"ACME"}]'), {
    kind: "frame",
    frame: {
      type: CALL,
      messageId: "19223201",
      action: "BootNotification",
      payload: { chargePointVendor: "ACME" },
    },
  });
});

Deno.test("decodeFrame() decodes a CALLRESULT", () => {
  assertEquals(decodeFrame('[3,"19223201",{"currentTime":"2024-05-01T12:00:00Z"}]'), {
    kind: "frame",
    frame: { type: CALLRESULT, messageId: "19223201", payload: { currentTime: "2024-05-01T12:00:00Z" } },
  });
});

Deno.test("decodeFrame() decodes a CALLERROR", () => {
  assertEquals(decodeFrame('[4,"162376037","NotSupported","SetDisplayMessage not supported",{}]'), {
    kind: "frame",
    frame: {
      type: CALLERROR,
      messageId: "162376037",
      errorCode: "NotSupported",
      errorDescription: "SetDisplayMessage not supported",
      errorDetails: {},
    },
  });
});

Deno.test("decodeFrame() accepts whitespace around and inside the JSON", () => {
  assertEquals(decodeFrame(' [ 2 , "1" , "Heartbeat" , { } ]\n').kind, "frame");
});

Deno.test("decodeFrame() accepts a message id of exactly 36 characters", () => {
  const id = "x".repeat(36);
  assertEquals(decodeFrame(JSON.stringify([2, id, "Heartbeat", {}])), {
    kind: "frame",
    frame: { type: CALL, messageId: id, action: "Heartbeat", payload: {} },
  });
});

Deno.test("decodeFrame() rejects text that is not JSON with FormationViolation", () => {
  for (const text of ["", "[2,", "not json", '[2,"1","Heartbeat",{}]]']) {
    assertEquals(decodeFrame(text), invalid(undefined, true, "Frame is not valid JSON"), text);
  }
});

Deno.test("decodeFrame() rejects a non-array with FormationViolation", () => {
  for (const text of ["{}", '"x"', "2", "null", "true"]) {
    assertEquals(decodeFrame(text), invalid(undefined, true, "Frame is not a JSON array"), text);
  }
});

Deno.test("decodeFrame() rejects a MessageTypeId that is not a number with FormationViolation", () => {
  assertEquals(decodeFrame('["2","1","Heartbeat",{}]'), invalid("1", true, "MessageTypeId is not a number"));
  assertEquals(decodeFrame("[]"), invalid(undefined, true, "MessageTypeId is not a number"));
  assertEquals(decodeFrame('[null,"1"]'), invalid("1", true, "MessageTypeId is not a number"));
});

Deno.test("decodeFrame() ignores an unknown MessageTypeId (OCPP-J 1.6 §4.1.3)", () => {
  assertEquals(decodeFrame('[5,"1","Heartbeat",{}]'), { kind: "ignored", reason: "Unknown MessageTypeId 5" });
  assertEquals(decodeFrame("[0]"), { kind: "ignored", reason: "Unknown MessageTypeId 0" });
  assertEquals(decodeFrame('[2.5,"1","Heartbeat",{}]'), {
    kind: "ignored",
    reason: "Unknown MessageTypeId 2.5",
  });
});

Deno.test("decodeFrame() rejects a missing or non-string message id", () => {
  assertEquals(decodeFrame("[2]"), invalid(undefined, true, "MessageId is not a string"));
  assertEquals(decodeFrame('[2,1,"Heartbeat",{}]'), invalid(undefined, true, "MessageId is not a string"));
  assertEquals(decodeFrame('[2,null,"Heartbeat",{}]'), invalid(undefined, true, "MessageId is not a string"));
});

Deno.test("decodeFrame() rejects an empty or over-long message id without echoing it", () => {
  const tooLong = JSON.stringify([2, "x".repeat(37), "Heartbeat", {}]);
  assertEquals(decodeFrame(tooLong), invalid(undefined, true, "MessageId must be 1 to 36 characters"));
  assertEquals(
    decodeFrame('[2,"","Heartbeat",{}]'),
    invalid(undefined, true, "MessageId must be 1 to 36 characters"),
  );
});

Deno.test("decodeFrame() rejects a CALL without exactly 4 elements", () => {
  for (const text of ['[2,"1","Heartbeat"]', '[2,"1"]', '[2,"1","Heartbeat",{},{}]']) {
    assertEquals(decodeFrame(text), invalid("1", true, "CALL must have exactly 4 elements"), text);
  }
});

Deno.test("decodeFrame() rejects a CALL whose action is not a non-empty string", () => {
  for (const text of ['[2,"1",7,{}]', '[2,"1","",{}]', '[2,"1",null,{}]', '[2,"1",["Heartbeat"],{}]']) {
    assertEquals(decodeFrame(text), invalid("1", true, "Action is not a non-empty string"), text);
  }
});

Deno.test("decodeFrame() rejects a CALL whose payload is not an object", () => {
  for (const text of ['[2,"1","Heartbeat",[]]', '[2,"1","Heartbeat",null]', '[2,"1","Heartbeat","{}"]']) {
    assertEquals(decodeFrame(text), invalid("1", true, "Payload is not a JSON object"), text);
  }
});

Deno.test("decodeFrame() marks a broken CALLRESULT as not answerable", () => {
  assertEquals(decodeFrame('[3,"1"]'), invalid("1", false, "CALLRESULT must have exactly 3 elements"));
  assertEquals(decodeFrame('[3,"1",{},{}]'), invalid("1", false, "CALLRESULT must have exactly 3 elements"));
  assertEquals(decodeFrame("[3,1,{}]"), invalid(undefined, false, "MessageId is not a string"));
  assertEquals(
    decodeFrame(JSON.stringify([3, "x".repeat(37), {}])),
    invalid(undefined, false, "MessageId must be 1 to 36 characters"),
  );
});

Deno.test("decodeFrame() marks a broken CALLERROR as not answerable", () => {
  assertEquals(
    decodeFrame('[4,"1","GenericError","oops"]'),
    invalid("1", false, "CALLERROR must have exactly 5 elements"),
  );
  assertEquals(
    decodeFrame('[4,"1","GenericError","oops",{},1]'),
    invalid("1", false, "CALLERROR must have exactly 5 elements"),
  );
  for (const text of ['[4,"1",7,"oops",{}]', '[4,"1","GenericError",null,{}]']) {
    assertEquals(
      decodeFrame(text),
      invalid("1", false, "CALLERROR code and description must be strings"),
      text,
    );
  }
  assertEquals(
    decodeFrame('[4,null,"GenericError","",{}]'),
    invalid(undefined, false, "MessageId is not a string"),
  );
});

Deno.test("decodeFrame() reads back what the encoders write", () => {
  assertEquals(decodeFrame(encodeCall("a1", "Reset", { type: "Soft" })), {
    kind: "frame",
    frame: { type: CALL, messageId: "a1", action: "Reset", payload: { type: "Soft" } },
  });
  assertEquals(decodeFrame(encodeCallResult("a1", { status: "Accepted" })), {
    kind: "frame",
    frame: { type: CALLRESULT, messageId: "a1", payload: { status: "Accepted" } },
  });
  assertEquals(decodeFrame(encodeCallError("a1", "NotImplemented", "")), {
    kind: "frame",
    frame: {
      type: CALLERROR,
      messageId: "a1",
      errorCode: "NotImplemented",
      errorDescription: "",
      errorDetails: {},
    },
  });
});

Deno.test("knownErrorCode() keeps spec codes and turns anything else into GenericError", () => {
  assertEquals(knownErrorCode("OccurenceConstraintViolation"), "OccurenceConstraintViolation");
  assertEquals(knownErrorCode("OccurrenceConstraintViolation"), "GenericError");
  assertEquals(knownErrorCode(""), "GenericError");
});

Deno.test("callAction() reads a CALL's action from its start only; null for anything else", () => {
  assertEquals(callAction('[2,"m1","StopTransaction",{"transactionId":1}]'), "StopTransaction");
  assertEquals(callAction(' [ 2 , "a\\"b" , "MeterValues" , {}]'), "MeterValues");
  assertEquals(callAction('[3,"m1",{}]'), null);
  assertEquals(callAction('[2,"m1",{"StopTransaction":1}]'), null);
  assertEquals(
    callAction(`[2,"${"x".repeat(300)}","StopTransaction",{}]`),
    null,
    "an id past the frame's start",
  );
  assertEquals(callAction("x".repeat(100_000)), null);
});

Deno.test("callMessageId() reads a CALL's id from its start only", () => {
  assertEquals(callMessageId('[2,"abc","Heartbeat",{}]'), "abc");
  assertEquals(callMessageId(' [ 2 , "x-1" , "Authorize", {"idTag":"A"}]'), "x-1");
  assertEquals(callMessageId('[3,"abc",{}]'), null);
  assertEquals(callMessageId('[2,"a\\"b","Heartbeat",{}]'), null);
  assertEquals(callMessageId(`[2,"${"x".repeat(37)}","Heartbeat",{}]`), null);
  assertEquals(callMessageId("not json"), null);
});

Deno.test("answerMessageId() reads a CALLRESULT's or CALLERROR's id from its start only", () => {
  assertEquals(answerMessageId('[3,"abc",{}]'), "abc");
  assertEquals(answerMessageId(' [ 4 , "x-1" , "GenericError", "", {}]'), "x-1");
  assertEquals(answerMessageId('[2,"abc","Heartbeat",{}]'), null);
  assertEquals(answerMessageId(`[3,"${"x".repeat(37)}",{}]`), null);
});
