/** No @everyone, no roles, no users, and not even the asker: the reply reference is enough. */
export const NO_MENTIONS = { parse: [], repliedUser: false } as const;
