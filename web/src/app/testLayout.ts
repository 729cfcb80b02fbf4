// jsdom lays nothing out: every element measures 0×0, so a virtualised list would show no rows.
// Tests that render one give its scroller a window's size (rows still measure 0, so all fit).

const SCROLLER = 'segment-scroller';

/** Makes `.segment-scroller` elements measure 800×600 (clientWidth/clientHeight) until the returned function undoes it. */
export function giveScrollersASize(): () => void {
  const undo = (['clientWidth', 'clientHeight'] as const).map((name) => {
    const original = Object.getOwnPropertyDescriptor(Element.prototype, name);
    const size = name === 'clientWidth' ? 800 : 600;
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains(SCROLLER) ? size : (original?.get?.call(this) ?? 0);
      },
    });
    return () => delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  });
  return () => undo.forEach((u) => u());
}
