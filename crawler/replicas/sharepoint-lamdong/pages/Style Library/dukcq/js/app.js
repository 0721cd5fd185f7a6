/* ngAppSharepoint: client-side listing blocks (replica stub) */
var app = angular.module('ngAppSharepoint', []);
app.controller('HoatDongCoSoCtrl', function ($scope, $http) {
    $scope.CategoryUrl = '/vi-VN/a/dukcq/tin-hoat-dong/Pages/default.aspx';
    $http.get(_spPageContextInfo.webAbsoluteUrl + "/_api/web/lists/getbytitle('TinTuc')/items?$top=5&$orderby=Created desc", {
        headers: { Accept: 'application/json;odata=verbose' }
    }).then(function (r) { $scope.DataHtml = r.data.d.results; });
});
