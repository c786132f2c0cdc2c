// Where each demo store lives: the default shop's at /demo (as before there were shops), every other shop's at
// /demo/shops/<shopId>. One store's pages, forms, scripts and event receiver are all under its base path; the static
// files are shared by every store.
import { SHOP_ID_PATTERN } from '../../lib/names';

/** The paths one demo store renders and serves. */
export interface DemoPaths {
  /** The store's base path: its cart page; every other page under it (`${base}/checkout`, `${base}/orders`, …). */
  base: string;
  /** The shared static files (CSS and scripts), the same for every store. */
  assets: string;
}

/** The default shop's demo. */
export const DEMO_BASE_PATH = '/demo';
export const DEMO_ASSETS_PATH = `${DEMO_BASE_PATH}/static`;
/** Every other shop's demo is under here, at `/demo/shops/<shopId>`. */
export const DEMO_SHOPS_PATH = `${DEMO_BASE_PATH}/shops`;

/** The receiver of the engine's events, under a store's base path. */
export const demoEventsPath = (base: string): string => `${base}/events`;

/** The default shop's event receiver (its URL is what a running demo registered: never move it). */
export const DEMO_EVENTS_PATH = demoEventsPath(DEMO_BASE_PATH);

export const DEFAULT_DEMO_PATHS: DemoPaths = { base: DEMO_BASE_PATH, assets: DEMO_ASSETS_PATH };

/** A shop's demo paths; the caller has checked the id against SHOP_ID_PATTERN (nothing in it needs escaping in a path). */
export function demoShopPaths(shopId: string): DemoPaths {
  return { base: `${DEMO_SHOPS_PATH}/${shopId}`, assets: DEMO_ASSETS_PATH };
}

/**
 * Exactly the shops' event receivers, `/demo/shops/<shopId>/events` with a well-formed shop id: the paths the JSON
 * parser must leave alone (the receiver checks the signature over the raw bytes). Anchored at both ends and built from
 * SHOP_ID_PATTERN, so it can never match any other route.
 */
export const DEMO_SHOP_EVENTS_PATH_PATTERN = new RegExp(`^${DEMO_SHOPS_PATH}/${SHOP_ID_PATTERN.source.replace(/^\^|\$$/g, '')}/events$`);
