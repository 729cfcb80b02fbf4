import { useCallback, useEffect, useState } from 'react';

/**
 * A field's text being corrected, and its saving (as Enter, or its Save button, would). While the field holds
 * a change not saved yet, {@link holdDraft} holds it, for a download of the result to save first; once, so a
 * change whose save failed is not sent again until it is changed again (the download that found it refused says
 * so; the next one gets the result as saved). A field opened but not changed holds nothing, so does not delay a
 * download.
 *
 * @param changed whether {@link draft} differs from what is saved
 * @param send saves {@link draft}, rejecting when it was not saved (the field says why, or the page does);
 *   should be stable across renders
 */
export function useHeldDraft(
  holdDraft: ((send: () => void) => () => void) | undefined,
  draft: string,
  changed: boolean,
  send: (draft: string) => Promise<void>,
): { saving: boolean; save(): Promise<void> } {
  const [saving, setSaving] = useState(false);
  const [refused, setRefused] = useState<string>();
  const save = useCallback(async () => {
    setSaving(true);
    try {
      await send(draft);
    } catch {
      setRefused(draft); // the draft stays for another try
    } finally {
      setSaving(false);
    }
  }, [send, draft]);
  const unsaved = !saving && changed && draft !== refused;
  useEffect(() => (holdDraft && unsaved ? holdDraft(() => void save()) : undefined), [holdDraft, unsaved, save]);
  return { saving, save };
}
