/**
 * The Open WebUI API version we answer to. Clients and scripts compare against the original's release
 * numbers (e.g. to enable features), so we report the release whose API we reproduce.
 */
export const VERSION = '0.6.34';
