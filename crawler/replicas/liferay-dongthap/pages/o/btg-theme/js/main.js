/* btg-theme main (replica stub) */
