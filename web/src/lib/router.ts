import { useSyncExternalStore } from 'react';

const EVENT = 'untxt:navigate';

const subscribe = (notify: () => void) => {
  window.addEventListener('popstate', notify);
  window.addEventListener(EVENT, notify);
  return () => {
    window.removeEventListener('popstate', notify);
    window.removeEventListener(EVENT, notify);
  };
};

/** Client-side navigation (the hosts answer every path with index.html). */
export const navigate = (to: string, options: { replace?: boolean } = {}) => {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
  window.scrollTo(0, 0);
};

export const usePathname = (): string => useSyncExternalStore(subscribe, () => location.pathname);

export type Route =
  | { name: 'tasks' }
  | { name: 'task'; id: string }
  | { name: 'admin'; tab: 'overview' | 'users' | 'tasks' }
  | { name: 'not-found' };

export const matchRoute = (pathname: string): Route => {
  if (pathname === '/' || pathname === '/tasks') return { name: 'tasks' };
  const task = /^\/tasks\/([^/]+)$/.exec(pathname);
  if (task) return { name: 'task', id: decodeURIComponent(task[1]!) };
  const admin = /^\/admin(?:\/(overview|users|tasks))?\/?$/.exec(pathname);
  if (admin)
    return { name: 'admin', tab: (admin[1] as 'overview' | 'users' | 'tasks' | undefined) ?? 'overview' };
  return { name: 'not-found' };
};
