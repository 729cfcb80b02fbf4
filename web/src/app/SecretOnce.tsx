import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A secret (a token's, a webhook's signing secret), in the one answer that carries it: shown once,
 * with a copy button, and said plainly that it cannot be seen again. Focus moves here, so a screen
 * reader reads it out at once.
 */
export function SecretOnce({
  title,
  secret,
  what = 'token',
  kept = 'Kiln keeps only a fingerprint of it; if it is lost, issue a new one.',
  children,
  onDone,
}: {
  title: string;
  secret: string;
  /** What the secret is, for its field's name ("The new token"). */
  what?: string;
  /** What Kiln keeps of it and what to do if it is lost. */
  kept?: string;
  children?: ReactNode;
  onDone(): void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string>('');
  useEffect(() => box.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard here (a page over plain http is not a secure context): leave it selected instead.
      field.current?.select();
      setCopied(`Could not copy: the ${what} is selected, copy it with Ctrl+C (⌘C).`);
    }
  };
  return (
    <div className="secret" ref={box} tabIndex={-1} role="region" aria-labelledby="secret-title" data-testid="secret">
      <h2 id="secret-title">{title}</h2>
      <p>
        <strong>Copy it now: you will not see it again.</strong> {kept}
      </p>
      {children}
      <div className="secret-row">
        <input
          ref={field}
          readOnly
          value={secret}
          aria-label={`The new ${what}`}
          spellCheck={false}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="note">
        {copied}
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
