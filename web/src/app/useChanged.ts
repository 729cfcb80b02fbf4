import { useState } from 'react';

/**
 * Whether any of {@link values} differs from what the last render saw. A component adjusts its
 * state while rendering when it is true, instead of in an effect after the render
 * (react.dev: "Adjusting some state when a prop changes").
 */
export function useChanged(values: readonly unknown[]): boolean {
  const [seen, setSeen] = useState(values);
  const changed = seen.length !== values.length || values.some((value, i) => !Object.is(value, seen[i]));
  if (changed) setSeen(values);
  return changed;
}
