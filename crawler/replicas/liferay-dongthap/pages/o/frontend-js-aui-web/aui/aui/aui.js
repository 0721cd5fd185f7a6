/* AUI (replica stub) */
var AUI = function() { return { use: function() {} }; };
