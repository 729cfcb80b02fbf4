// jsdom lays nothing out: every element measures 0×0, so a virtualised list would show no rows, or
// (rows of no height all fitting) every row. Tests that render one give its scroller a window's
// size and each row a line's height.

const SIZES: Record<string, Partial<Record<'clientWidth' | 'clientHeight' | 'offsetHeight', number>>> = {
  'segment-scroller': { clientWidth: 800, clientHeight: 600 },
  segment: { offsetHeight: 40 },
};

/** Makes `.segment-scroller` 800×600 and `.segment` rows 40 px tall until the returned function undoes it. */
export function giveScrollersASize(): () => void {
  const undo = (['clientWidth', 'clientHeight', 'offsetHeight'] as const).map((name) => {
    const original =
      Object.getOwnPropertyDescriptor(HTMLElement.prototype, name) ??
      Object.getOwnPropertyDescriptor(Element.prototype, name);
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get(this: HTMLElement) {
        for (const [cls, size] of Object.entries(SIZES)) {
          if (this.classList.contains(cls) && size[name] !== undefined) return size[name];
        }
        return (original?.get?.call(this) as number | undefined) ?? 0;
      },
    });
    return () => {
      if (original) Object.defineProperty(HTMLElement.prototype, name, original);
      else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
    };
  });
  return () => undo.forEach((u) => u());
}
