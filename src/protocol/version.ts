/** Version of the host⇄sandbox protocol; the sandbox refuses an `init` of another version. */
export const PROTOCOL_VERSION = 2
