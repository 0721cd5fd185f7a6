/* NukeViet egov theme (stub) */
