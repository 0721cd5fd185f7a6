Liferay.Language.available = {"vi_VN": "Tiếng Việt (Việt Nam)", "en_US": "English (United States)"};
