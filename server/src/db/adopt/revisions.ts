/**
 * Open WebUI's alembic revisions, oldest first, with the first release that has each (from the
 * reference schemas' README). The position of a database's head in this list picks the mapping range;
 * a head not in the list is from a release newer than this code knows, and is refused.
 */
export const ALEMBIC_REVISIONS: readonly (readonly [revision: string, release: string])[] = [
  ['7e5b5dc7342b', '0.3.8'],
  ['ca81bd47c050', '0.3.16'],
  ['c0fbf31ca0db', '0.3.31'],
  ['6a39f3d8e55c', '0.3.31'],
  ['242a2047eae0', '0.3.33'],
  ['1af9b942657b', '0.3.33'],
  ['3ab32c4b8f59', '0.3.33'],
  ['c69f45358db4', '0.3.33'],
  ['c29facfe716b', '0.3.33'],
  ['af906e964978', '0.3.33'],
  ['4ace53fd72c8', '0.3.33'],
  ['922e7a387820', '0.4.0'],
  ['57c599a3cb57', '0.5.0'],
  ['7826ab40b532', '0.5.0'],
  ['3781e22d8b01', '0.5.3'],
  ['9f0c9cd09105', '0.6.6'],
  ['d31026856c01', '0.6.16'],
  ['018012973d35', '0.6.23'],
  ['3af16a1c9fb6', '0.6.23'],
  ['38d63c18f30f', '0.6.27'],
  ['a5c220713937', '0.6.32'],
  ['37f288994c47', '0.6.37'],
  ['2f1211949ecc', '0.6.41'],
  ['b10670c03dd5', '0.6.41'],
  ['90ef40d4714e', '0.6.41'],
  ['3e0e00844bb0', '0.6.41'],
  ['6283dc0e4d8d', '0.6.42'],
  ['81cc2ce44d79', '0.6.42'],
  ['c440947495f3', '0.6.42'],
  ['374d2f66af06', '0.8.0'],
  ['8452d01d26d7', '0.8.0'],
  ['f1e2d3c4b5a6', '0.8.0'],
  ['a1b2c3d4e5f6', '0.8.0'],
  ['b2c3d4e5f6a7', '0.8.1'],
  ['a3dd5bedd151', '0.9.0'],
  ['d4e5f6a7b8c9', '0.9.0'],
  ['b7c8d9e0f1a2', '0.9.0'],
  ['e1f2a3b4c5d6', '0.9.0'],
  ['c1d2e3f4a5b6', '0.9.0'],
  ['56359461a091', '0.9.0'],
  ['4de81c2a3af1', '0.9.3'],
  ['a0b1c2d3e4f5', '0.9.3'],
  ['3c9b0ca343fd', '0.9.6'],
  ['461111b60977', '0.9.6'],
  ['3ff2c63645b8', '0.10.0'],
  ['4c5ce3d2f27f', '0.10.0'],
  ['7b3f2a9c1d4e', '0.10.0'],
  ['42e2978c7933', '0.10.0'],
];

/** The oldest schema we map; older databases are asked to pass through this release first. */
export const OLDEST_SUPPORTED = '3781e22d8b01';
export const OLDEST_SUPPORTED_RELEASE = '0.5.3';

export function revisionIndex(revision: string): number {
  return ALEMBIC_REVISIONS.findIndex(([r]) => r === revision);
}
