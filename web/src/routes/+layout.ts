// Pure client-side app: the server only ships static files.
export const ssr = false;
export const prerender = false;
