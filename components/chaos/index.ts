/** Chaos area: the DR drill's lock table and the optional AWS FIS experiment template. */
export * from "./drill";
