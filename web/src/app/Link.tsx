import type { MouseEvent, ReactNode } from 'react';
import { navigate } from './router';

/** An ordinary link (open in a new tab works) that navigates within the app on a plain click; marked when it is the page shown. */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const click = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  const current = window.location.pathname === to ? 'page' : undefined;
  return (
    <a href={to} onClick={click} className={className} aria-current={current}>
      {children}
    </a>
  );
}
