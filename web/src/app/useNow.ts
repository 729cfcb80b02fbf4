import { useEffect, useState } from 'react';

/** The time (epoch ms), read again every {@link everyMs}: for what shows "in N s" or "N left". */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(tick);
  }, [everyMs]);
  return now;
}
