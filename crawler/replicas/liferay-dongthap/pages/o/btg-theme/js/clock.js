/* header clock: the current date, not a publication date */
(function () {
  var d = new Date(), days = ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
  var el = document.getElementById('clock');
  if (el) { el.textContent = days[d.getDay()] + ', ngày ' + ('0' + d.getDate()).slice(-2) + '/' + ('0' + (d.getMonth() + 1)).slice(-2) + '/' + d.getFullYear(); }
})();
