// Redis's shared error replies, verbatim.

export const ERR = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInt: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  noKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  overflow: 'ERR increment or decrement would overflow',
  dbIndex: 'ERR DB index is out of range',
  sameObject: 'ERR source and destination objects are the same',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  wrongArgs: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  /** addReplySubcommandSyntaxError */
  subcommandSyntax: (argv: string[]) =>
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
} as const;
