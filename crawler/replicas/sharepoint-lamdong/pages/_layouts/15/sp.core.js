/* sp.core.js (replica stub) */
