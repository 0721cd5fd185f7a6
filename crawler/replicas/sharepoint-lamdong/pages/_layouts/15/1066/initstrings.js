/* initstrings (replica stub) */
var Strings = {};
