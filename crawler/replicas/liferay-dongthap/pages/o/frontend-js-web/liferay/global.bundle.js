/* Liferay global bundle (replica stub) */
