function startClock(id){
  var el=document.getElementById(id); if(!el) return;
  var days=['Chủ Nhật','Thứ Hai','Thứ Ba','Thứ Tư','Thứ Năm','Thứ Sáu','Thứ Bảy'];
  function tick(){
    var d=new Date(), h=d.getHours(), ap=h>=12?'PM':'AM', h12=h%12||12;
    function z(n){return (n<10?'0':'')+n;}
    el.innerHTML=days[d.getDay()]+', ngày '+d.getDate()+' tháng '+(d.getMonth()+1)+' năm '+d.getFullYear()+' - '+h12+':'+z(d.getMinutes())+':'+z(d.getSeconds())+' '+ap;
  }
  tick(); setInterval(tick,1000);
}
var curSize=15;
function ChangeFontSize(n){
  curSize=Math.max(11,Math.min(24,curSize+n));
  var c=document.getElementById('ndcontent'); if(c) c.style.fontSize=curSize+'px';
}
