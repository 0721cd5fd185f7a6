var nv_loading="Đang tải...";
