import type { ReactNode } from 'react';

/** A problem shown where it arose, announced at once to screen readers; nothing while there is none. */
export function ErrorLine({ children, id }: { children?: ReactNode; id?: string }) {
  if (children === undefined || children === null || children === false || children === '') {
    return null;
  }
  return (
    <p id={id} role="alert" className="error">
      {children}
    </p>
  );
}
