/**
 * Focus that survives a busy control. Islands disable a button while its action runs (no double sends); a
 * focused control that becomes disabled drops focus to <body>, so a keyboard or screen reader user who
 * pressed Send, Remote start or Stop charging starts again from the top of the page once the answer is
 * shown. This gives focus back to that control when it is enabled again, unless focus went somewhere else
 * meanwhile. Installed once for the whole page by the island bundle (routes/pages/bundle.ts), so every
 * island's busy buttons behave alike without each keeping track.
 *
 * @example
 * ```ts ignore
 * const stop = keepFocusThroughBusy(document);
 * ```
 */
export function keepFocusThroughBusy(doc: Document): () => void {
  /** The element that last took focus: the one a disabling may take it from. */
  let focused: EventTarget | null = null;
  /** The control disabled while focused, waiting to be enabled again. */
  let parked: HTMLElement | null = null;
  const onFocusIn = (e: FocusEvent) => {
    focused = e.target;
    parked = null;
  };
  doc.addEventListener("focusin", onFocusIn);
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const el = record.target as HTMLElement;
      if (el.hasAttribute("disabled")) {
        if (el === focused) parked = el;
      } else if (el === parked) {
        parked = null;
        const active = doc.activeElement;
        if (el.isConnected && (active === null || active === doc.body)) el.focus();
      }
    }
  });
  observer.observe(doc.body, { subtree: true, attributes: true, attributeFilter: ["disabled"] });
  return () => {
    observer.disconnect();
    doc.removeEventListener("focusin", onFocusIn);
  };
}
